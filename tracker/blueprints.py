"""The app's blueprints, in one list."""
from tracker.addenda.routes import bp as signing_bp
from tracker.auth.reset_routes import bp as reset_bp
from tracker.auth.routes import bp as auth_bp
from tracker.care.routes import bp as care_bp
from tracker.dosing.rems_routes import bp as rems_bp
from tracker.dosing.routes import bp as dosing_bp
from tracker.home.routes import bp as home_bp
from tracker.integration.routes import bp as integration_bp
from tracker.intention.routes import bp as intention_bp
from tracker.lead.routes import bp as lead_bp
from tracker.notify.routes import bp as notify_bp
from tracker.ops.health import bp as ops_bp
from tracker.patients.routes import bp as patients_bp
from tracker.portal.routes import bp as portal_bp
from tracker.printing.routes import bp as printing_bp

BLUEPRINTS = [auth_bp, home_bp, patients_bp, portal_bp, lead_bp, care_bp, intention_bp,
              dosing_bp, rems_bp, signing_bp, integration_bp, printing_bp, notify_bp,
              reset_bp, ops_bp]
