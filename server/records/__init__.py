"""The member's record log (党员记实): one record per member per event, plus dues, rewards, etc."""
