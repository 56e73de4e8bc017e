"""The public pages: the landing page with the upload form, the shareable job
page, a no-JavaScript upload path, and the service description they read."""
