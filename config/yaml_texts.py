"""Texts kept per language in a YAML data file (the catalog editions, the recommendation library,
the finding templates): found by their place in the file, and written back in place.

A text is a mapping whose keys are all language codes ({en: "…", ru: "…"}); a list per language
(level descriptors, actions) is one text per item. Its key is the path to it: mapping keys, and
for an item of a list its `code` where it has one, else its number from 1
(`areas.organization.indicators.ORG-01.levels.3`). A translation replaces only its own scalar,
as a double-quoted string, so the file's comments, order and layout stay as they were. Pure:
text in, text out."""

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import yaml


class YamlTextsError(ValueError):
    pass


@dataclass(frozen=True)
class YamlText:
    key: str
    texts: Mapping[str, str]
    # Per language, where its scalar stands in the file: [start, end) character offsets.
    spans: Mapping[str, tuple[int, int]]


def _label(item: yaml.Node, number: int) -> str:
    if isinstance(item, yaml.MappingNode):
        for key, value in item.value:
            if key.value == "code" and isinstance(value, yaml.ScalarNode):
                return value.value
    return str(number)


def _span(node: yaml.ScalarNode) -> tuple[int, int]:
    return node.start_mark.index, node.end_mark.index


def _per_language(node: yaml.MappingNode, path: list[str], languages: Sequence[str]) -> Iterator[YamlText]:
    values = {key.value: value for key, value in node.value}
    if all(isinstance(value, yaml.ScalarNode) for value in values.values()):
        yield YamlText(
            key=".".join(path),
            texts={language: value.value for language, value in values.items()},
            spans={language: _span(value) for language, value in values.items()},
        )
        return
    length = max(len(value.value) for value in values.values() if isinstance(value, yaml.SequenceNode))
    for index in range(length):
        items = {
            language: value.value[index]
            for language, value in values.items()
            if isinstance(value, yaml.SequenceNode) and index < len(value.value)
        }
        yield YamlText(
            key=".".join([*path, str(index + 1)]),
            texts={language: item.value for language, item in items.items()},
            spans={language: _span(item) for language, item in items.items()},
        )


def _walk(node: yaml.Node, path: list[str], languages: Sequence[str]) -> Iterator[YamlText]:
    if isinstance(node, yaml.SequenceNode):
        for number, item in enumerate(node.value, start=1):
            yield from _walk(item, [*path, _label(item, number)], languages)
    elif isinstance(node, yaml.MappingNode):
        keys = [key.value for key, _value in node.value]
        if len(keys) != len(set(keys)):
            repeated = sorted({key for key in keys if keys.count(key) > 1})
            raise YamlTextsError(
                f"line {node.start_mark.line + 1}: {', '.join(repeated)} given more than once"
            )
        if keys and set(keys) <= set(languages):
            yield from _per_language(node, path, languages)
        else:
            for key, value in node.value:
                yield from _walk(value, [*path, key.value], languages)


def yaml_texts(text: str, *, languages: Sequence[str]) -> list[YamlText]:
    """Every text of a YAML document, in the file's order; YamlTextsError for a mapping that
    gives a key twice (YAML readers keep the last silently)."""
    try:
        root = yaml.compose(text)
    except yaml.YAMLError as error:
        raise YamlTextsError(str(error)) from error
    return list(_walk(root, [], languages)) if root is not None else []


def yaml_texts_replaced(text: str, *, replacements: Mapping[tuple[int, int], str]) -> str:
    """`text` with the scalars at the given spans replaced by double-quoted strings."""
    for (start, end), value in sorted(replacements.items(), reverse=True):
        text = text[:start] + json.dumps(value, ensure_ascii=False) + text[end:]
    return text
