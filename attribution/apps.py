from django.apps import AppConfig


class AttributionConfig(AppConfig):
    name = "attribution"
    verbose_name = "Attribution"

    def ready(self) -> None:
        import attribution.handlers  # noqa: F401 - registers the Shop order handlers
        from attribution import matching, selectors, views
        from inbox import hooks, panels, shop_orders

        panels.register(views.conversation_orders_panel)
        shop_orders.register(selectors.ShopOrderSource())
        hooks.on_shop_link_delivered(matching.shop_link_delivered)
        hooks.on_contact_linked(matching.contact_linked)
