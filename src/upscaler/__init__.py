"""ImageUpscalerPro: API, public pages and admin."""
