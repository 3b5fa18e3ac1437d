"""Check mutmut survivors one by one against the tests written for them (session 5, core/sources).

Run from mutants/ after copying the new test file there: MUTANT_UNDER_TEST selects the mutant per pytest
session; exit 1 = killed. Prints "name rc" per survivor; KW maps each mutated function to its tests."""
import json, os, sys, io, contextlib
import pytest
KW = {
 'geotiff.x__valid_fraction': 'valid_fraction', 'geotiff.x__offsets': 'offsets',
 'geotiff.x_cut_geotiff': 'refusal or metre or rotation_term or gcp', 'geotiff.x_import_rasterio': 'rasterio',
 'worldfile.x_resample_north_up': 'north_up or quarter or one_pixel or float_range or too_large or without_rasterio',
 'worldfile.x_northup_cache_dir': 'cache_unless', 'worldfile.x_foreign_world_files': 'upper_case',
 'worldfile.x__image_crs': 'prj', 'worldfile.x__tile_': 'rotated_tiles or rotation_term_alone',
 'xyz.x_read_tilemapresource': 'tilemapresource', 'xyz.x_row_order_from_template': 'templates', 'xyz.x__overlaps': 'touching',
}
out = {}
for f in ('geotiff', 'worldfile', 'xyz'):
    d = json.load(open(f'geolocator/core/sources/{f}.py.meta'))['exit_code_by_key']
    for k, v in d.items():
        if v != 0: continue
        kw = next((kw for pre, kw in KW.items() if pre + '_' in k.replace('geolocator.core.sources.', '') or k.replace('geolocator.core.sources.', '').startswith(pre + '__mutmut')), None)
        if kw is None: continue
        os.environ['MUTANT_UNDER_TEST'] = k
        with contextlib.redirect_stdout(io.StringIO()):
            rc = pytest.main(['tests/test_sources_exact.py', '-x', '-q', '-p', 'no:cacheprovider', '-k', kw, '-W', 'ignore'])
        out[k] = int(rc)
        print(k, int(rc), flush=True)
json.dump(out, open('recheck.json', 'w'), indent=0)
