"""What freeing the principal point would do (session 35, offline, no product change): camera_misfit's reading
with the principal point searched on a grid within the image (or within half of it), for the outlines already
recorded: the chance and wrong fits of outregion34 (training/results/outregion34_fits.csv, every verified pair
that is not right) and the crop / fisheye variants' top answers (training/camerafit_variants.py's record).

  PYTHONPATH=. python training/camerafit_free_pp.py chance
  PYTHONPATH=. python training/camerafit_free_pp.py rows training/results/camerafit35_variants.csv

Columns printed: ... inliers, misfit (centre, as the product), misfit (principal point anywhere in the image),
misfit (within the middle half of its width and height).
"""
import csv, math, sys
import numpy as np, cv2
sys.path.insert(0, 'training')
from geolocator.core.camera_fit import FOV_RANGE_DEG, _FOV_STEPS, camera_misfit
from geolocator.core.geo import local_metres
from geolocator.core.model import LatLon
from geolocator.core.queries import load_region

def misfit_pp(footprint, size, n=9, reach=1.0):
    """camera_fit.camera_misfit's misfit, the principal point on an n x n grid over `reach` of the image (1: all of it)."""
    w, h = map(float, size)
    g = local_metres(footprint, footprint[0]); g = g - g.mean(axis=0)
    fovs = np.linspace(*FOV_RANGE_DEG, _FOV_STEPS); f = (w/2)/np.tan(np.radians(fovs)/2)
    best = np.inf
    for px in np.linspace(-reach*w/2, reach*w/2, n):
        for py in np.linspace(-reach*h/2, reach*h/2, n):
            img = np.array([[-w/2-px, -h/2-py], [w/2-px, -h/2-py], [w/2-px, h/2-py], [-w/2-px, h/2-py]])
            a = cv2.getPerspectiveTransform(g.astype(np.float32), img.astype(np.float32)).astype(np.float64)
            r1 = np.stack([a[0,0]/f, a[1,0]/f, np.full_like(f, a[2,0])], 1)
            r2 = np.stack([a[0,1]/f, a[1,1]/f, np.full_like(f, a[2,1])], 1)
            n1, n2 = np.linalg.norm(r1, axis=1), np.linalg.norm(r2, axis=1)
            m = np.maximum(np.abs((r1*r2).sum(1))/(n1*n2), np.abs(np.log(n1/n2)))
            best = min(best, float(m.min()))
    return best

if sys.argv[1] == "chance":
    regions = {}
    for r in csv.DictReader(open('training/results/outregion34_fits.csv')):
        if r['kind'] == 'in' and r['right'] == '1':
            continue
        root = {'demo': 'resources/demo'}.get(r['tiles'], 'data/benchmark/' + r['tiles'])
        if root not in regions:
            regions[root] = {t.id: t for t in load_region(root).tiles.tiles}
        t = regions[root][r['tile']]
        fp = [t.point_at(*map(float, c.split(','))) for c in r['corners'].split()]
        print(r['queries'], r['tiles'], r['kind'], r['query'], r['inliers'], r['misfit'], round(misfit_pp(fp, (384, 288)), 3), round(misfit_pp(fp, (384, 288), reach=0.5), 3))
else:
    for path in sys.argv[2:]:
        for r in csv.DictReader(open(path)):
            if r['check'] != 'off' or r['status'] != 'verified' or not r['footprint']:
                continue
            if not ('crop' in r['variant'] or r['variant'] in ('fisheye', 'fisheye150')):
                continue
            fp = [LatLon(*map(float, c.split(','))) for c in r['footprint'].split()]
            print(r['region'], r['variant'], r['query'], r['top_inliers'], r['misfit'], round(misfit_pp(fp, (int(r['width']), int(r['height']))), 3), round(misfit_pp(fp, (int(r['width']), int(r['height'])), reach=0.5), 3))
