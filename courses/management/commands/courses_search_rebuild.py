from django.core.management.base import BaseCommand

from courses.models import CoursePage


class Command(BaseCommand):
    help = "Rebuild every course's catalog search document (courses/search.py), e.g. after migrating."

    def handle(self, *args, **options):
        count = 0
        for course in CoursePage.objects.order_by("pk").iterator():
            course.search_document_update()
            count += 1
        self.stdout.write(f"Rebuilt the search documents of {count} courses.")
