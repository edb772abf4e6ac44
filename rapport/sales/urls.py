"""Page routes: deals (list, form, card, actions), the kanban board, pipeline settings."""

from django.urls import path

from .views import board, deals, pipelines

app_name = "sales"

urlpatterns = [
    path("deals/", deals.deal_list, name="deal_list"),
    path("deals/new/", deals.deal_create, name="deal_create"),
    path("deals/lines/", deals.deal_lines_preview, name="deal_lines_preview"),
    path("deals/contact-options/", deals.contact_options, name="contact_options"),
    path("deals/product-options/", deals.product_options, name="product_options"),
    path("deals/<uuid:pk>/", deals.deal_detail, name="deal_detail"),
    path("deals/<uuid:pk>/edit/", deals.deal_edit, name="deal_edit"),
    path("deals/<uuid:pk>/move/", deals.deal_move, name="deal_move"),
    path("deals/<uuid:pk>/win/", deals.deal_win, name="deal_win"),
    path("deals/<uuid:pk>/lose/", deals.deal_lose, name="deal_lose"),
    path("deals/<uuid:pk>/reopen/", deals.deal_reopen, name="deal_reopen"),
    path("deals/<uuid:pk>/trash/", deals.deal_trash, name="deal_trash"),
    path("board/", board.board, name="board"),
    path("board/stages/<uuid:pk>/", board.board_column, name="board_column"),
    path("pipelines/", pipelines.pipeline_settings, name="pipeline_settings"),
    path("pipelines/new/", pipelines.pipeline_save, name="pipeline_create"),
    path("pipelines/<uuid:pk>/", pipelines.pipeline_save, name="pipeline_save"),
    path("pipelines/<uuid:pk>/delete/", pipelines.pipeline_delete, name="pipeline_delete"),
    path("pipelines/<uuid:pipeline_pk>/stages/new/", pipelines.stage_save, name="stage_create"),
    path("pipelines/<uuid:pipeline_pk>/stages/<uuid:pk>/", pipelines.stage_save, name="stage_save"),
    path("stages/<uuid:pk>/move/<str:direction>/", pipelines.stage_move, name="stage_move"),
    path("stages/<uuid:pk>/delete/", pipelines.stage_delete, name="stage_delete"),
    path("stages/<uuid:pk>/actions/new/", pipelines.stage_action_add, name="stage_action_add"),
    path(
        "stage-actions/<uuid:pk>/delete/",
        pipelines.stage_action_delete,
        name="stage_action_delete",
    ),
]
