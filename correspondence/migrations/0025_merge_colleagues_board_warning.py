"""Joins the three migrations that branches merged on the same night all put after 0023:
the colleague mark, the board's warning index and the messages' pool and holder stamp."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("correspondence", "0024_case_colleagues_asked"),
        ("correspondence", "0024_case_pool_warning_deadline"),
        ("correspondence", "0024_message_pool_holder_stamp"),
    ]

    operations = []
