"""The organization: committees, branches, groups, members, floating members and branch roles."""
