from wagtail import hooks


@hooks.register("construct_settings_menu")
def hide_people_from_non_superusers(request, menu_items):
    """People and roles are managed in the staff portal, where every change is audited
    (StaffAreaGuardMiddleware refuses /cms/users/ and /cms/groups/ to everyone else)."""
    if not request.user.is_superuser:
        menu_items[:] = [item for item in menu_items if item.name not in {"users", "groups"}]
