from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length


class SignInForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)],
                       render_kw={"autocomplete": "username", "autofocus": True})
    password = PasswordField("Password", validators=[DataRequired(), Length(max=256)],
                             render_kw={"autocomplete": "current-password"})
    next = StringField()


class NewPasswordForm(FlaskForm):
    password = PasswordField("New password", validators=[DataRequired(), Length(min=12, max=256, message="Use at least 12 characters (and at most 256).")],
                             description="At least 12 characters. A few unrelated words work well.",
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField("Repeat the new password",
                            validators=[DataRequired(), EqualTo("password", "The two passwords differ.")],
                            render_kw={"autocomplete": "new-password"})


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField("Current password", validators=[DataRequired()],
                            render_kw={"autocomplete": "current-password"})


class ResetRequestForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)],
                       render_kw={"autocomplete": "username", "autofocus": True})


class CodeForm(FlaskForm):
    """A code from the authenticator app (or, at sign-in and to turn it off, a recovery code)."""

    code = StringField("Code", validators=[DataRequired(message="Type the code."), Length(max=20)],
                       description="The 6-digit code your authenticator app shows now.",
                       render_kw={"autocomplete": "one-time-code", "inputmode": "text",
                                  "autocapitalize": "off", "spellcheck": "false"})
