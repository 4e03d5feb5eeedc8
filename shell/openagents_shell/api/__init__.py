"""The typed API client (msgspec): loaded after the first frame, never at boot."""
