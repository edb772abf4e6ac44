from rest_framework.routers import SimpleRouter

from .job_api import JobViewSet
from .notification_api import NotificationViewSet, ReminderViewSet

router = SimpleRouter(use_regex_path=False)
router.register("jobs", JobViewSet, basename="job")
router.register("reminders", ReminderViewSet, basename="reminder")
router.register("notifications", NotificationViewSet, basename="notification")

urlpatterns = router.urls
