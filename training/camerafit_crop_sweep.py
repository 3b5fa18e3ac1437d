"""Off-centre crops alone, analytic (session 35): camera_misfit of a pinhole camera's corner crop, no matching noise.

A camera `tilt` degrees off nadir with a lens `hfov` degrees across sees flat ground (core/oblique.ViewGeometry);
the crop of `share` of the image's area at each corner is carried to the ground through that view's homography
and read by camera_fit.camera_misfit at the crop's size (which assumes the principal point at the crop's centre).
Prints tilt, lens, share and the worst corner's misfit.

  PYTHONPATH=. python training/camerafit_crop_sweep.py
"""
import math, numpy as np, cv2, itertools
from geolocator.core.camera_fit import camera_misfit
from geolocator.core.oblique import ViewGeometry
from geolocator.core.model import LatLon
from geolocator.core.geo import metres_per_degree
SIZE=(600,450)
ml, mo = metres_per_degree(40.0)
def ll(pts): return [LatLon(40+n/ml, 0+e/mo) for e,n in pts]
def crop_outline(tilt,hfov,share,corner,size=SIZE):
    fr=0.5/math.tan(math.radians(hfov)/2)
    o=ViewGeometry(tilt-90.0,30.0,fr).outline_m(size)
    if o is None: return None,None
    out=np.array(o,np.float64)
    w,h=size
    img=np.array([[0,0],[w,0],[w,h],[0,h]],np.float32)
    H=cv2.getPerspectiveTransform(img,out.astype(np.float32))
    s=math.sqrt(share); cw,ch=w*s,h*s
    x0=0 if corner in("TL","BL") else w-cw; y0=0 if corner in("TL","TR") else h-ch
    sub=np.array([[x0,y0],[x0+cw,y0],[x0+cw,y0+ch],[x0,y0+ch]],np.float64)
    g=cv2.perspectiveTransform(sub[None].astype(np.float64),H)[0]
    return ll(g),(cw,ch)
print("tilt hfov share worst-corner-misfit")
worst={}
for tilt,hfov,share,c in itertools.product([0,20,35,45,55,60],[40,60,75,90,110],[0.1,0.25,0.4,0.6],["TL","TR","BR","BL"]):
    # skip horizon
    if tilt+ math.degrees(math.atan(math.tan(math.radians(hfov)/2)*0.75))>=85: continue
    g,sz=crop_outline(tilt,hfov,share,c)
    if g is None: continue
    f=camera_misfit(g,sz)
    k=(tilt,hfov,share)
    worst[k]=max(worst.get(k,0),f.misfit)
for k,v in sorted(worst.items()):
    print(*k, round(v,3))
