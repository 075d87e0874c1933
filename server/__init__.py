"""Local model server (FastAPI + websockets) in front of the biaslsp engine."""
