from tracker.core.users import User
from tracker.extensions import db


def load_user(session_id: str):
    """Cookie id is "<user id>:<session epoch>"; a bumped epoch voids older sessions."""
    try:
        user_id, epoch = (int(part) for part in session_id.split(":"))
    except (ValueError, AttributeError):
        return None
    user = db.session.get(User, user_id)
    if user is None or user.session_epoch != epoch or not user.active:
        return None
    return user
