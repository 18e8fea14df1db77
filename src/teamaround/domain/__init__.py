"""The safeguarding domain: vocabularies and records, free of web and database code."""
