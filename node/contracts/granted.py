"""The product and assets a contract (or a grant under it) covers: the one lookup every metered path
uses, so the product always comes from the contract (before a use) or the grant (during one), never
from a partner's request."""

from __future__ import annotations

from collections.abc import Callable

from node.asset_registry.model import Asset, Product
from node.asset_registry.ports import RegistryUnitOfWork
from node.contracts.enforcement import UsageGrant
from node.contracts.model import Contract
from node.errors import NotFound


def contract_product(
    uow_factory: Callable[[], RegistryUnitOfWork], contract: Contract
) -> tuple[Product, list[Asset]]:
    with uow_factory() as uow:
        product = uow.products.get(contract.product_id)
        assets = [a for a in (uow.assets.get(i) for i in contract.asset_ids) if a is not None]
    if product is None or not assets:
        raise NotFound("the contract's product or its assets are gone", code="product_not_found")
    return product, assets


def granted_product(
    uow_factory: Callable[[], RegistryUnitOfWork], grant: UsageGrant
) -> tuple[Product, list[Asset]]:
    """The product and assets the grant names (the enforcement point checked them against the contract)."""
    with uow_factory() as uow:
        product = uow.products.get(grant.product_id)
        assets = [a for a in (uow.assets.get(i) for i in grant.asset_ids) if a is not None]
    if product is None or not assets:
        raise NotFound("the granted product or its assets are gone", code="product_not_found")
    return product, assets
