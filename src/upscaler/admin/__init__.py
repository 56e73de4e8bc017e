"""The admin panel (HTML pages under /admin, kept out of the public OpenAPI)
and the admin JSON API (/api/v1/admin/*, documented with its security
schemes). `upscaler.admin.routes` gathers the routers for the app."""
