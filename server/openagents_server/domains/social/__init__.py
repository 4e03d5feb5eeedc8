"""Social: public shouts in zones, private whispers, blocks and reports, live on Khala (issue 21)."""
