"""Team leaders' pages for their pools' routing rules. Every page needs LEAD in the pool."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from correspondence.models import PoolPage
from correspondence.permissions import LEAD, pools_for, require_pool_permission
from workflow.models import RoutingRule
from workflow.rules.forms import RuleForm
from workflow.rules.matching import unreachable
from workflow.rules.outcomes import actions_texts, conditions_texts
from workflow.rules.services import (
    RuleInvalid,
    names_for,
    rule_data,
    rule_delete,
    rule_reorder,
    rule_save,
    rule_try,
)


def _led_pool(request: HttpRequest, code: str) -> PoolPage:
    """The pool with this code; 404 when there is none, 403 unless the user leads it."""
    pool = get_object_or_404(PoolPage, code=code.upper())
    require_pool_permission(request.user, LEAD, pool)
    return pool


def _pool_rule(request: HttpRequest, code: str, rule_id: int) -> RoutingRule:
    pool = _led_pool(request, code)
    return get_object_or_404(RoutingRule.objects.select_related("pool"), pk=rule_id, pool=pool)


@login_required
def rules_index(request: HttpRequest) -> HttpResponse:
    """The pools the user leads, each with how many rules it has."""
    pools = pools_for(request.user, LEAD).annotate(rule_count=Count("routing_rules"))
    if not pools.exists():
        raise PermissionDenied(_("You lead no pool."))
    return render(request, "workflow/rules/index.html", {"pools": pools.order_by("title")})


@login_required
def rules_list(request: HttpRequest, code: str) -> HttpResponse:
    """The pool's rules in the order they are tried, each summarised in words."""
    pool = _led_pool(request, code)
    rules = list(pool.routing_rules.prefetch_related("operators"))
    data = [rule_data(r) for r in rules]
    names = names_for(data)
    rows = [
        {
            "rule": r,
            "when": conditions_texts(d.conditions, names),
            "then": actions_texts(d.actions, names),
            "unreachable": hidden,
        }
        for r, d, hidden in zip(rules, data, unreachable(data), strict=True)
    ]
    return render(request, "workflow/rules/list.html", {"pool": pool, "rows": rows})


@login_required
def rule_create(request: HttpRequest, code: str) -> HttpResponse:
    """A new rule for the pool, added at the end of its list."""
    pool = _led_pool(request, code)
    return _rule_form(request, pool, RoutingRule(pool=pool))


@login_required
def rule_edit(request: HttpRequest, code: str, rule_id: int) -> HttpResponse:
    """Changes one of the pool's rules."""
    rule = _pool_rule(request, code, rule_id)
    return _rule_form(request, rule.pool, rule)


def _rule_form(request: HttpRequest, pool: PoolPage, rule: RoutingRule) -> HttpResponse:
    """Shows the form; "try" shows what the rule would do, "save" saves and goes back."""
    form = RuleForm(request.POST or None, user=request.user, pool=pool, instance=rule)
    context: dict[str, object] = {"pool": pool, "rule": rule, "form": form}
    if request.method == "POST" and form.is_valid():
        data = rule_data(form.instance, form.operator_ids())
        if "try" in request.POST:
            results = rule_try(pool=pool, rule_data=data)
            context["results"] = results
            context["matched"] = sum(1 for row in results if row.matched)
            context["unmatched"] = len(results) - context["matched"]
        else:
            try:
                rule_save(user=request.user, rule=form.instance, operator_ids=form.operator_ids())
            except RuleInvalid as exc:
                form.add_error(exc.field, exc.message)
            else:
                messages.success(request, _("Rule “%(name)s” saved.") % {"name": rule.name})
                return redirect("workflow:rules_list", code=pool.code)
    return render(request, "workflow/rules/form.html", context)


@login_required
def rule_remove(request: HttpRequest, code: str, rule_id: int) -> HttpResponse:
    """Asks for confirmation, then deletes the rule."""
    rule = _pool_rule(request, code, rule_id)
    if request.method == "POST":
        rule_delete(user=request.user, rule=rule)
        messages.success(request, _("Rule “%(name)s” deleted.") % {"name": rule.name})
        return redirect("workflow:rules_list", code=rule.pool.code)
    return render(request, "workflow/rules/delete.html", {"pool": rule.pool, "rule": rule})


@login_required
@require_POST
def rule_move(request: HttpRequest, code: str, rule_id: int, direction: str) -> HttpResponse:
    """Moves the rule one place up or down, then shows the list again."""
    rule = _pool_rule(request, code, rule_id)
    if direction not in ("up", "down"):
        raise Http404(direction)
    rule_reorder(user=request.user, rule=rule, direction=direction)
    return redirect("workflow:rules_list", code=rule.pool.code)
