"""The org-life meeting (组织生活会, SPEC system 3) as a workflow: theme, preparation, the meeting, the report."""
