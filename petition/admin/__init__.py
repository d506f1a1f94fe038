"""Administration under ``/admin/``: sign-in, the dashboard, moderation, endorsements, export."""
