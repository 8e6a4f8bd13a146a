"""The import engine: SIS records in, accounts, classes and enrollments out."""
