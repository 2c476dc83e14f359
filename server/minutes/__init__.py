"""Meeting minutes (会议记录): text with revisions, and photos stored as files."""
