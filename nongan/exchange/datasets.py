"""The datasets partners read (共享数据集): each names its records, how one reads as JSON,
and where its district is, so a key scoped to districts reads only theirs. Apps register
their own datasets here (`register_dataset`); docs/exchange.md documents every row."""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Model, QuerySet


@dataclass(frozen=True)
class Dataset:
    name: str  # the URL segment and the key's scope name
    label: str  # Chinese, for pages
    records: Callable[[], QuerySet]  # every record partners may read, unscoped
    row: Callable[[Model], dict]  # one record as partners read it (JSON values only)
    district: str  # lookup path from the model to its district code, e.g. "district_id"
    changed: str  # lookup path of the datetime that orders the dataset and `since` filters
    # CSV columns in their documented order: dotted paths into the row ("producer.name");
    # a list or dict value is written as JSON text. Empty: the row's own keys, flattened.
    columns: tuple[str, ...] = ()


DATASETS: dict[str, Dataset] = {}


def register_dataset(dataset: Dataset) -> Dataset:
    DATASETS[dataset.name] = dataset
    return dataset
