"""What runs on time: deadlines and their mail, the daily digest, the jobs of a tick."""
