import sqlalchemy as sa

from tracker.core.notices import remember_unread, unread_of
from tracker.core.users import User
from tracker.extensions import db

# The user and, in the same statement, their unread notices (the navbar's count): built once.
_USER = sa.select(User, unread_of(User.id)).where(User.id == sa.bindparam("user_id"))


def load_user(session_id: str):
    """Cookie id is "<user id>:<session epoch>"; a bumped epoch voids older sessions."""
    try:
        user_id, epoch = (int(part) for part in session_id.split(":"))
    except (ValueError, AttributeError):
        return None
    row = db.session.execute(_USER, {"user_id": user_id}).first()
    if row is None:
        return None
    user, unread = row
    if user.session_epoch != epoch or not user.active:
        return None
    remember_unread(user.id, unread)
    return user
