"""Notices and reminders that reach the members: in-app notifications, notice read receipts,
and Web Push to the phones that subscribed (docs/decisions.md, "Notifications")."""
