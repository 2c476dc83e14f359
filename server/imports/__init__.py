"""Importing the spreadsheets branches already keep: roster, branches and groups, historical meetings."""
