import factory

from lms.models import Role, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    display_name = factory.Faker("name")
    role = Role.STUDENT
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def verified(user, create, extracted, **kwargs):
        """Users from the factory have a verified primary address, as after sign-up."""
        if create:
            from allauth.account.models import EmailAddress

            user.save()
            EmailAddress.objects.get_or_create(
                user=user, email=user.email, defaults={"verified": True, "primary": True}
            )


PASSWORD = "correct-horse-battery"


def make_user(role: str = Role.STUDENT, **kwargs) -> User:
    """A user brought to `role` the way staff would: through the role service."""
    from lms.services import role_groups_sync, teacher_profile_ensure

    user = UserFactory(role=role, is_staff=role == Role.STAFF, **kwargs)
    role_groups_sync(user=user)
    if role == Role.TEACHER:
        teacher_profile_ensure(user=user)
    return user
