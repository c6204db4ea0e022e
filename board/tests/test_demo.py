from io import StringIO

from board.models import Post, PostKind
from lms.management.commands.load_demo_data import Command


def test_the_demo_board_loads_twice_without_changes(db):
    Command(stdout=StringIO()).handle()
    kinds = sorted(Post.objects.open().values_list("kind", flat=True))
    assert kinds == [PostKind.POSITION, PostKind.REQUEST, PostKind.REQUEST, PostKind.REQUEST]
    assert Post.objects.filter(learner_name__startswith="My daughter").exists()
    Command(stdout=StringIO()).handle()
    assert Post.objects.count() == 4
