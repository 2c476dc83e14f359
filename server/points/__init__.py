"""The points scheme (积分考核, LOG-points): rules, computation from confirmed records, publication."""
