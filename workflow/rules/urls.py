"""Team leaders' rule pages, under /work/rules/ in the "workflow" namespace."""

from django.urls import path

from workflow.rules import views

urlpatterns = [
    path("", views.rules_index, name="rules_index"),
    path("<str:code>/", views.rules_list, name="rules_list"),
    path("<str:code>/new/", views.rule_create, name="rule_create"),
    path("<str:code>/<int:rule_id>/", views.rule_edit, name="rule_edit"),
    path("<str:code>/<int:rule_id>/delete/", views.rule_remove, name="rule_delete"),
    path("<str:code>/<int:rule_id>/move/<str:direction>/", views.rule_move, name="rule_move"),
]
