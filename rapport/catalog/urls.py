"""Page routes under /catalog/. The menu links catalog:product_list,
catalog:price_list_list and catalog:settings."""

from django.urls import path

from .views import price_lists, products, settings

app_name = "catalog"

urlpatterns = [
    path("", products.product_list, name="product_list"),
    path("products/new/", products.product_create, name="product_create"),
    path("products/lookup/", products.product_lookup, name="product_lookup"),
    path("products/<uuid:pk>/", products.product_detail, name="product_detail"),
    path("products/<uuid:pk>/edit/", products.product_edit, name="product_edit"),
    path("products/<uuid:pk>/trash/", products.product_trash, name="product_trash"),
    path("groups/", settings.group_list, name="group_list"),
    path("price-lists/", price_lists.price_list_list, name="price_list_list"),
    path("price-lists/new/", price_lists.price_list_create, name="price_list_create"),
    path("price-lists/<uuid:pk>/", price_lists.price_list_detail, name="price_list_detail"),
    path("price-lists/<uuid:pk>/edit/", price_lists.price_list_edit, name="price_list_edit"),
    path("price-lists/<uuid:pk>/prices/", price_lists.price_list_prices, name="price_list_prices"),
    path("price-lists/<uuid:pk>/row/", price_lists.price_list_row, name="price_list_row"),
    path("price-lists/<uuid:pk>/trash/", price_lists.price_list_trash, name="price_list_trash"),
    path("settings/", settings.settings_page, name="settings"),
    path("settings/<slug:kind>/new/", settings.settings_form, name="settings_create"),
    path("settings/<slug:kind>/<str:pk>/edit/", settings.settings_form, name="settings_edit"),
    path("settings/<slug:kind>/<str:pk>/delete/", settings.settings_delete, name="settings_delete"),
]
