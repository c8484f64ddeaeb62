"""The one intranet home page, under Wagtail's root, served as the default site."""

from wagtail.models import Page, Site

from intranet.models import IntranetHomePage


def home_page_ensure() -> IntranetHomePage:
    """The home page, created when missing in place of Wagtail's "Welcome" page, and the
    default site pointing at it."""
    home = IntranetHomePage.objects.first()
    if home is None:
        root = Page.get_first_root_node()
        # Wagtail's migrations leave a plain "Welcome" page where our home goes.
        for page in root.get_children().exact_type(Page):
            if page.numchild == 0:
                page.delete()
        home = root.add_child(instance=IntranetHomePage(title="Corrispondenza", slug="home"))
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={"hostname": "localhost", "root_page": home, "site_name": "Corrispondenza"},
    )
    return home
