"""Completion notifications: signed webhooks to a job's `callback_url` and
e-mail to its `email`, sent by the workers' `notify_job` actor once a job has
completed or failed.

- `ssrf`: which callback URLs are allowed (http/https, no credentials, public
  addresses only unless private targets are allowed), checked at upload and
  again at delivery, where the request is pinned to the address that passed;
- `signing`: HMAC-SHA256 signatures of webhook bodies, and the helper a
  receiver uses to verify one (standard library only, safe to copy);
- `payload`: the event a webhook carries;
- `mail`: the e-mail (plain text and HTML) and the SMTP settings;
- `repository`: the `notification_deliveries` rows (every attempt recorded);
- `intake`: the upload-time checks (400 field errors).
"""
