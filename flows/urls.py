from django.urls import path

from flows import views

app_name = "flows"

_base = "w/<str:workspace_id>/automations/"
_flow = _base + "flows/<int:flow_id>/"

urlpatterns = [
    path(_base, views.automations, name="automations"),
    path(_base + "triggers/new/", views.trigger_new, name="trigger_new"),
    path(_base + "triggers/<int:trigger_id>/", views.trigger_edit, name="trigger_edit"),
    path(_base + "triggers/<int:trigger_id>/status/", views.trigger_status, name="trigger_status"),
    path(_base + "triggers/<int:trigger_id>/move/", views.trigger_move, name="trigger_move"),
    path(_base + "triggers/order/", views.triggers_reorder, name="triggers_reorder"),
    path(_base + "flows/", views.flow_list, name="flow_list"),
    path(_base + "flows/new/", views.flow_new, name="flow_new"),
    path(_base + "flows/preview/", views.flow_preview, name="flow_preview"),
    path(_base + "flows/skus/", views.sku_search, name="sku_search"),
    path(_flow, views.flow_edit, name="flow_edit"),
    path(_flow + "draft/", views.flow_save_draft, name="flow_save_draft"),
    path(_flow + "publish/", views.flow_publish, name="flow_publish"),
    path(_flow + "rename/", views.flow_rename, name="flow_rename"),
    path(_flow + "delete/", views.flow_delete, name="flow_delete"),
    path(_base + "settings/", views.automation_settings, name="automation_settings"),
    path(
        _base + "settings/keywords/",
        views.sensitive_keyword_add,
        name="sensitive_keyword_add",
    ),
    path(
        _base + "settings/keywords/<int:keyword_id>/delete/",
        views.sensitive_keyword_remove,
        name="sensitive_keyword_remove",
    ),
]
