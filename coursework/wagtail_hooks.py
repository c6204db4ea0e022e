from wagtail import hooks

from coursework.models import Rubric


@hooks.register("after_create_snippet")
def rubric_owner_set(request, instance):
    """A rubric written in the studio belongs to its author (the demo's and tests' set it)."""
    if isinstance(instance, Rubric) and instance.owner_id is None:
        instance.owner = request.user
        instance.save(update_fields=["owner"])
