"""What the tutors app puts into the core's shared pages (lms/infra/panels.py)."""

from tutors.models import Tutor


def teacher_dashboard(request):
    if not request.user.is_teacher:
        return None
    return {"tutor": Tutor.objects.filter(user=request.user).only("pk", "verified_at", "rate_60").first()}
