"""Checks a return's exports with the libraries analysts use (run by node/tests/returns_form.rs).

Usage: check_return_exports.py SDMX_CSV STRUCTURE_XML OBSERVATIONS_JSON WORKBOOK_XLSX [LABEL=TEXT...]

Each LABEL=TEXT (such as `表    号：=机关事务 3 表`) must be in the first sheet's line of that label.

- SDMX: sdmx1 reads the SDMX-ML structure, then the SDMX-CSV against its dataflow; every column
  must be a component of the structure, and every code of every coded dimension and attribute must
  be in its codelist.
- JSON: pandas.read_json loads the observations as is, one row per observation, values numeric.
- XLSX: openpyxl reads the workbook: the form headings, the number formats and the charts.

Prints one line per check and a JSON summary on the last line; exits non-zero on the first failure.
"""

import json
import math
import sys
import zipfile

import openpyxl
import pandas
import sdmx


def check_sdmx(csv_path, structure_path):
    structure = sdmx.read_sdmx(structure_path)
    dataflows = list(structure.dataflow.values())
    assert len(dataflows) == 1, f"one dataflow, found {len(dataflows)}"
    dataflow = dataflows[0]
    dsd = dataflow.structure
    assert dsd is not None and len(dsd.dimensions.components) > 0, "the dataflow names its structure"

    with open(csv_path, encoding="utf-8") as file:
        header = file.readline().rstrip("\n").split(",")
    components = {c.id for c in dsd.dimensions.components}
    components |= {c.id for c in dsd.attributes.components}
    components |= {c.id for c in dsd.measures.components}
    fixed = {"STRUCTURE", "STRUCTURE_ID", "ACTION"}
    unknown = [column for column in header if column not in components | fixed]
    assert not unknown, f"columns that are no component of the structure: {unknown}"
    dimension_ids = [d.id for d in dsd.dimensions.components]
    in_file = [column for column in header if column in dimension_ids]
    assert in_file == dimension_ids, f"dimensions in the structure's order: {in_file} vs {dimension_ids}"

    message = sdmx.read_sdmx(csv_path, structure=dataflow)
    n_observations = 0
    coded = {}
    for component in list(dsd.dimensions.components) + list(dsd.attributes.components):
        representation = component.local_representation
        if representation is not None and representation.enumerated is not None:
            coded[component.id] = {code.id for code in representation.enumerated}
    assert "REF_AREA" in coded and "UNIT_MEASURE" in coded, "coded area and unit"
    keys = set()
    for data_set in message.data:
        for observation in data_set.obs:
            n_observations += 1
            key = []
            for dimension_id, key_value in observation.dimension.values.items():
                key.append((dimension_id, key_value.value))
                if dimension_id in coded:
                    assert key_value.value in coded[dimension_id], (
                        f"{dimension_id} {key_value.value!r} is not in its codelist"
                    )
            assert tuple(key) not in keys, f"a key written twice: {key}"
            keys.add(tuple(key))
            for attribute_id, attribute_value in observation.attached_attribute.items():
                if attribute_id in coded:
                    assert attribute_value.value in coded[attribute_id], (
                        f"{attribute_id} {attribute_value.value!r} is not in its codelist"
                    )
            value = float(observation.value)
            assert math.isnan(value) or math.isfinite(value)
    assert n_observations > 0, "observations were read"
    with open(csv_path, encoding="utf-8") as file:
        n_lines = sum(1 for _ in file) - 1
    assert n_observations == n_lines, f"{n_observations} observations read of {n_lines} lines"
    print(f"sdmx: {n_observations} observations valid against {dsd.id} ({len(coded)} codelists)")
    return n_observations


def check_json(json_path, n_observations):
    # As is: one row per observation.
    frame = pandas.read_json(json_path)
    assert len(frame) == n_observations, f"{len(frame)} rows for {n_observations} observations"
    # Codes kept as text (institution type 01 keeps its zero) when pandas does not guess types.
    frame = pandas.read_json(json_path, dtype=False)
    if "inst_type" in frame.columns:
        codes = set(frame["inst_type"].dropna())
        assert "01" in codes, f"institution type codes as text: {codes}"
    for column in ["indicator", "unit", "value", "provisional", "ref_area", "period"]:
        assert column in frame.columns, f"column {column} in {list(frame.columns)}"
    numeric = pandas.to_numeric(frame["value"], errors="coerce")
    assert numeric.notna().sum() == frame["value"].notna().sum(), "every value is a number"
    assert frame["provisional"].map(lambda flag: isinstance(flag, bool)).all()
    print(f"json: pandas.read_json gives {len(frame)} rows, columns {list(frame.columns)}")
    return len(frame)


def check_xlsx(xlsx_path):
    workbook = openpyxl.load_workbook(xlsx_path)
    with zipfile.ZipFile(xlsx_path) as archive:
        n_chart_files = sum(
            1 for name in archive.namelist() if name.startswith("xl/charts/chart")
        )
    n_charts = sum(len(sheet._charts) for sheet in workbook.worksheets)
    assert n_charts >= 2 and n_chart_files >= 2, f"{n_charts} charts, {n_chart_files} chart parts"
    formats = set()
    headings = {}
    expected = dict(arg.split("=", 1) for arg in sys.argv[5:])
    for sheet in workbook.worksheets[:1]:
        texts = [cell.value for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str)]
        for label in ["表    号：", "制定机关：", "批准机关：", "批准文号：", "填报单位：", "单位负责人：", "报告期："]:
            found = [text for text in texts if label in text]
            assert found, f"{sheet.title}: no {label}"
            headings[label] = found[0]
            if label in expected:
                assert expected[label] in found[0], f"{found[0]!r} has no {expected[label]!r}"
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, (int, float)):
                    formats.add(cell.number_format)
    for expected in ["#,##0.00", "#,##0"]:
        assert expected in formats, f"number format {expected} in {formats}"
    print(f"xlsx: {n_charts} charts, number formats {sorted(formats)}")
    for label, text in headings.items():
        print(f"xlsx heading: {text}")
    return n_charts, sorted(formats)


def main():
    csv_path, structure_path, json_path, xlsx_path = sys.argv[1:5]
    n_observations = check_sdmx(csv_path, structure_path)
    n_rows = check_json(json_path, n_observations)
    n_charts, formats = check_xlsx(xlsx_path)
    print(json.dumps({"observations": n_observations, "json_rows": n_rows, "charts": n_charts, "formats": formats}))


if __name__ == "__main__":
    main()
