"""The core of Lyceum: users and roles, profiles, notifications, dashboards and the audit
log (models, services, selectors, views, admin). Project configuration is in lms/config/,
infrastructure helpers in lms/infra/."""
