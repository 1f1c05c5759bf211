"""collecte's web application (FastAPI, served inside the Airflow UI by the plugin).

`app` composes one router per area; `auth` says who is asking and what they may do (through
Airflow's auth manager), and checks forms (CSRF token, Origin). See docs/SECURITY.md.
"""
