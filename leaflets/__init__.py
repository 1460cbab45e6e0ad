"""leaflets: verified medical facts in, translated patient leaflets out."""
