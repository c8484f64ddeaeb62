"""URLs of the workflow: case actions and the team leaders' rules."""

from django.urls import include, path

from workflow.views import cases

app_name = "workflow"

urlpatterns = [
    path("take-next/", cases.take_next, name="take_next"),
    path("approvals/", cases.approvals, name="approvals"),
    path("notifications/", cases.notifications, name="notifications"),
    path("notifications/read/", cases.notifications_read, name="notifications_read"),
    path(
        "colleague-answers/<int:answer_id>/",
        cases.colleague_answer,
        name="colleague_answer",
    ),
    path("cases/<int:case_id>/viewers/", cases.case_viewers, name="case_viewers"),
    path("cases/<int:case_id>/draft/", cases.case_draft, name="case_draft"),
    path("cases/<int:case_id>/<str:action>/", cases.case_action, name="case_action"),
    path("rules/", include("workflow.rules.urls")),
]
