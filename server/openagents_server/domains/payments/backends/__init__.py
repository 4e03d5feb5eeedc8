"""Payment backends behind one interface (``base.LightningBackend``): LND's REST API and a fake."""
