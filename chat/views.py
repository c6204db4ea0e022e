from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from wagtail.models import Page

from chat import realtime, selectors, services
from chat.forms import AnnouncementForm, MessageForm, ReportForm
from chat.models import Announcement, Message, MessageStatus
from lms.infra.validators import parse_id
from lms.models import User

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
}
IMAGE_EXTENSIONS = {"png", "jpg", "gif", "webp"}  # shown in the conversation; anything else is downloaded


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@login_required
def conversation_list(request):
    return render(request, "chat/conversation_list.html", {"rows": selectors.conversation_list(user=request.user)})


@login_required
@require_POST
def conversation_start(request):
    """Open the conversation with a person (the "Message" buttons); staff may give an email."""
    other = None
    if user_id := request.POST.get("user_id", "").strip():
        other = User.objects.filter(pk=pk, is_active=True).first() if (pk := parse_id(user_id)) else None
    elif (email := request.POST.get("email", "").strip()) and request.user.is_platform_staff:
        other = User.objects.filter(email__iexact=email, is_active=True).first()
    if other is None:
        messages.error(request, _("There is nobody with that address on Lyceum."))
        return redirect("chat:list")
    try:
        conversation = services.conversation_start(user=request.user, other=other)
    except services.ChatError as exc:
        messages.error(request, str(exc))
        return redirect("chat:list")
    return redirect(conversation)


def _conversation_or_404(request, conversation_id: int):
    conversation = selectors.conversation_for(user=request.user, conversation_id=conversation_id)
    if conversation is None:  # someone else's or missing: the same answer
        raise Http404("No such conversation.")
    return conversation


@login_required
def conversation_detail(request, conversation_id: int):
    conversation = _conversation_or_404(request, conversation_id)
    user = request.user
    form = MessageForm()
    if request.method == "POST":
        form = MessageForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                message, _ = services.message_post(
                    sender=user,
                    conversation=conversation,
                    body=form.cleaned_data["body"],
                    client_id=form.cleaned_data["client_id"],
                    attachment=form.cleaned_data["attachment"],
                )
            except services.ChatError as exc:
                if _wants_json(request):
                    return JsonResponse({"error": str(exc)}, status=400)
                form.add_error(None, str(exc))
            else:
                if _wants_json(request):
                    return JsonResponse({"id": message.pk, "html": realtime.message_html(message, user=user)})
                if message.status == MessageStatus.HELD:
                    messages.info(request, _("Your message is waiting for a moderator's review."))
                return redirect(conversation)
        elif _wants_json(request):
            return JsonResponse({"error": " ".join(e for errors in form.errors.values() for e in errors)}, status=400)

    before = request.GET.get("before", "")
    page, has_more = selectors.message_page(user=user, conversation=conversation, before_id=parse_id(before))
    other = conversation.other(user)
    context = {
        "conversation": conversation,
        "other": other,
        "messages_page": page,
        "has_more": has_more,
        "first_id": page[0].pk if page else 0,
        "other_last_read": selectors.last_read_id(user=other, conversation=conversation),
        "other_online": realtime.is_online(other.pk),
    }
    if request.htmx and before:
        return render(request, "chat/conversation.html#history", context)
    if page and not before and request.method == "GET":  # opening the page reads it; a refused post does not
        services.conversation_mark_read(user=user, conversation=conversation, message_id=page[-1].pk)
    return render(
        request,
        "chat/conversation.html",
        {**context, "form": form, "rows": selectors.conversation_list(user=user), "older_page": bool(before)},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def message_report(request, message_id: int):
    message = get_object_or_404(Message.objects.select_related("conversation"), pk=message_id)
    if not message.conversation.has_participant(request.user):
        raise Http404("No such message.")
    form = ReportForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.message_report(reporter=request.user, message=message, reason=reason)
    except services.ChatError as exc:
        text, ok = str(exc), False
    else:
        text, ok = _("Thank you. A moderator will look at this message."), True
    if request.htmx:
        return render(request, "chat/_report_result.html", {"text": text, "ok": ok})
    (messages.success if ok else messages.error)(request, text)
    return redirect(message.conversation)


@login_required
def attachment(request, message_id: int):
    """Serve an attachment to the conversation's participants only."""
    message = get_object_or_404(Message.objects.select_related("conversation"), pk=message_id)
    visible = message.status == MessageStatus.VISIBLE or (
        message.status == MessageStatus.HELD and message.sender_id == request.user.pk
    )
    if not message.attachment or not message.conversation.has_participant(request.user) or not visible:
        raise Http404("No such attachment.")
    storage = message.attachment.storage
    # The type comes from the checked content (the stored name), never from the sender's name.
    extension = message.attachment.name.rsplit(".", 1)[-1].lower()
    # A PDF is only ever downloaded: a browser's own viewer would run a script hidden in one.
    download = extension not in IMAGE_EXTENSIONS
    try:
        storage.path(message.attachment.name)
    except NotImplementedError:
        # Remote storage (S3): a short-lived signed URL (AWS_QUERYSTRING_EXPIRE seconds).
        if download:
            disposition = {"ResponseContentDisposition": content_disposition_header(True, message.attachment_name)}
            return redirect(storage.url(message.attachment.name, parameters=disposition))
        return redirect(message.attachment.url)
    content_type = CONTENT_TYPES.get(extension, "application/octet-stream")
    response = FileResponse(
        message.attachment.open("rb"),
        content_type=content_type,
        as_attachment=download,
        filename=message.attachment_name,
    )
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "private, max-age=300"
    return response


@login_required
def announcement_create(request, course_id: int):
    page = get_object_or_404(Page, pk=course_id)
    course = page.specific
    if not selectors.teaches(user=request.user, course=course) or not hasattr(course, "teacher_users"):
        raise Http404("No such course.")
    cohorts = list(course.cohorts.all()) if hasattr(course, "cohorts") else []
    form = AnnouncementForm(request.POST or None, cohorts=cohorts)
    if request.method == "POST" and form.is_valid():
        cohort = next((c for c in cohorts if c.pk == form.cleaned_data.get("cohort")), None)
        try:
            announcement = services.announcement_post(
                teacher=request.user, course=course, body=form.cleaned_data["body"], cohort=cohort
            )
        except services.ChatError as exc:
            form.add_error(None, str(exc))
        else:
            n = announcement.recipient_count
            text = ngettext(
                "Your announcement was sent to %(n)s student.", "Your announcement was sent to %(n)s students.", n
            )
            messages.success(request, text % {"n": n})
            return redirect("chat:announce", course_id=course.pk)
    return render(
        request,
        "chat/announcement_form.html",
        {
            "course": course,
            "form": form,
            "announcements": Announcement.objects.filter(course_id=course.pk).select_related("teacher", "cohort")[:20],
            "student_count": selectors.course_students(course=course).count(),
        },
    )
