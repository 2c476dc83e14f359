"""The yearly activity-day plan (DAY-plan): twelve planned activity days, filed with the committee."""
