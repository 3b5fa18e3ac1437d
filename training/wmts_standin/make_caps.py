"""Writes pdok.xml, swisstopo.xml and geopf.xml beside this file: stand-ins (session 27, mapper27) of the
GetCapabilities documents of PDOK Luchtfoto RGB, swisstopo (EPSG/3857) and IGN Geoplateforme, in the shape
those services publish (identifiers, set names, RESTful / KVP, Time dimension, TileMatrixSetLimits), written
from their public documentation; not copies. @HOST@ is filled by server.py. Run: python make_caps.py
Session 28 (grid28) adds pdok_rd.xml (PDOK's layers in the Dutch grid EPSG:28992 only) and
swisstopo_2056.xml (swisstopo's default document, in the Swiss grid LV95 EPSG:2056 only: set 2056_28,
TopLeftCorner 2420000 1350000, resolutions 4000 m down to 0.1 m, as the service documents its LV95 grid;
the resolutions are from memory, not re-checked).
Session 29 (grid29) adds geopf_l93.xml (IGN's orthophotos in Lambert-93 only, set LAMB93; see lamb93_set)."""
import os
os.chdir(os.path.dirname(os.path.abspath(__file__)))
import math
Z0 = 559082264.0287178958533332
HALF = "20037508.3427892476320267"
NS = ('xmlns="http://www.opengis.net/wmts/1.0" xmlns:ows="http://www.opengis.net/ows/1.1" '
      'xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:gml="http://www.opengis.net/gml" version="1.0.0"')

def mercator_set(ident, crs, zmax, idfmt="{z}", corner=f"-{HALF} {HALF}", z0=Z0):
    m = "".join(f"""
    <TileMatrix><ows:Identifier>{idfmt.format(z=z)}</ows:Identifier><ScaleDenominator>{z0 / 2 ** z!r}</ScaleDenominator>
      <TopLeftCorner>{corner}</TopLeftCorner><TileWidth>256</TileWidth><TileHeight>256</TileHeight>
      <MatrixWidth>{2 ** z}</MatrixWidth><MatrixHeight>{2 ** z}</MatrixHeight></TileMatrix>""" for z in range(zmax + 1))
    return f"<TileMatrixSet><ows:Identifier>{ident}</ows:Identifier><ows:SupportedCRS>{crs}</ows:SupportedCRS>{m}\n  </TileMatrixSet>"

def rd_set():  # PDOK's Dutch grid (EPSG:28992), 00..16: 12288000 / 2**z
    m = "".join(f"""
    <TileMatrix><ows:Identifier>{z:02d}</ows:Identifier><ScaleDenominator>{12288000.0 / 2 ** z!r}</ScaleDenominator>
      <TopLeftCorner>-285401.92 903401.92</TopLeftCorner><TileWidth>256</TileWidth><TileHeight>256</TileHeight>
      <MatrixWidth>{2 ** z}</MatrixWidth><MatrixHeight>{2 ** z}</MatrixHeight></TileMatrix>""" for z in range(17))
    return f"<TileMatrixSet><ows:Identifier>EPSG:28992</ows:Identifier><ows:SupportedCRS>urn:ogc:def:crs:EPSG::28992</ows:SupportedCRS>{m}\n  </TileMatrixSet>"

def tile_xy(lon, lat, z):
    r = math.radians(lat)
    return int((lon + 180) / 360 * 2 ** z), int((1 - math.log(math.tan(r) + 1 / math.cos(r)) / math.pi) / 2 * 2 ** z)

# ---- PDOK Luchtfoto RGB (service.pdok.nl/hwh/luchtfotorgb/wmts/v1_0)
def pdok_layer(ident, title):
    return f"""
  <Layer><ows:Title>{title}</ows:Title><ows:Abstract>Landsdekkende orthofotomozaiek (stand-in)</ows:Abstract>
    <ows:WGS84BoundingBox><ows:LowerCorner>2.35417 50.6564</ows:LowerCorner><ows:UpperCorner>7.5627 55.6761</ows:UpperCorner></ows:WGS84BoundingBox>
    <ows:Identifier>{ident}</ows:Identifier>
    <Style isDefault="true"><ows:Identifier>default</ows:Identifier></Style>
    <Format>image/jpeg</Format>
    <TileMatrixSetLink><TileMatrixSet>EPSG:28992</TileMatrixSet></TileMatrixSetLink>
    <TileMatrixSetLink><TileMatrixSet>EPSG:3857</TileMatrixSet></TileMatrixSetLink>
    <ResourceURL format="image/jpeg" resourceType="tile" template="http://@HOST@/pdok/hwh/luchtfotorgb/wmts/v1_0/{ident}/{{TileMatrixSet}}/{{TileMatrix}}/{{TileCol}}/{{TileRow}}.jpeg"/>
  </Layer>"""
pdok = f"""<?xml version="1.0" encoding="UTF-8"?>
<Capabilities {NS}>
  <ows:ServiceIdentification><ows:Title>Luchtfoto RGB WMTS</ows:Title><ows:ServiceType>OGC WMTS</ows:ServiceType><ows:ServiceTypeVersion>1.0.0</ows:ServiceTypeVersion>
    <ows:Fees>NONE</ows:Fees><ows:AccessConstraints>https://creativecommons.org/licenses/by/4.0/deed.nl</ows:AccessConstraints></ows:ServiceIdentification>
  <ows:ServiceProvider><ows:ProviderName>PDOK</ows:ProviderName></ows:ServiceProvider>
  <Contents>{pdok_layer("Actueel_orthoHR", "Luchtfoto Actueel Ortho 8cm RGB")}{pdok_layer("Actueel_ortho25", "Luchtfoto Actueel Ortho 25cm RGB")}{pdok_layer("2023_orthoHR", "Luchtfoto 2023 Ortho 8cm RGB")}
  {rd_set()}
  {mercator_set("EPSG:3857", "urn:ogc:def:crs:EPSG::3857", 19, "{z:02d}")}
  </Contents>
  <ServiceMetadataURL xlink:href="http://@HOST@/pdok/hwh/luchtfotorgb/wmts/v1_0/WMTSCapabilities.xml"/>
</Capabilities>
"""
open("pdok.xml", "w").write(pdok)

# ---- swisstopo (wmts.geo.admin.ch/EPSG/3857/1.0.0/WMTSCapabilities.xml): RESTful only, Time dimension
swiss = f"""<?xml version="1.0" encoding="UTF-8"?>
<Capabilities {NS}>
  <ows:ServiceIdentification><ows:Title>WMTS BGDI</ows:Title><ows:ServiceType>OGC WMTS</ows:ServiceType><ows:ServiceTypeVersion>1.0.0</ows:ServiceTypeVersion>
    <ows:Fees>none</ows:Fees><ows:AccessConstraints>https://www.geo.admin.ch/de/allgemeine-nutzungsbedingungen-bgdi</ows:AccessConstraints></ows:ServiceIdentification>
  <ows:ServiceProvider><ows:ProviderName>Bundesamt fuer Landestopografie swisstopo</ows:ProviderName></ows:ServiceProvider>
  <Contents>
  <Layer><ows:Title>SWISSIMAGE Hintergrund</ows:Title><ows:Abstract>Orthofotomosaik (stand-in)</ows:Abstract>
    <ows:WGS84BoundingBox><ows:LowerCorner>5.140242 45.398181</ows:LowerCorner><ows:UpperCorner>11.47757 48.230651</ows:UpperCorner></ows:WGS84BoundingBox>
    <ows:Identifier>ch.swisstopo.swissimage</ows:Identifier>
    <Style isDefault="true"><ows:Title>ch.swisstopo.swissimage</ows:Title><ows:Identifier>default</ows:Identifier></Style>
    <Format>image/jpeg</Format>
    <Dimension><ows:Identifier>Time</ows:Identifier><Default>current</Default><Value>current</Value><Value>20151231</Value></Dimension>
    <TileMatrixSetLink><TileMatrixSet>3857_20</TileMatrixSet></TileMatrixSetLink>
    <ResourceURL format="image/jpeg" resourceType="tile" template="http://@HOST@/swisstopo/1.0.0/ch.swisstopo.swissimage/default/{{Time}}/3857/{{TileMatrix}}/{{TileCol}}/{{TileRow}}.jpeg"/>
  </Layer>
  {mercator_set("3857_20", "urn:ogc:def:crs:EPSG:3857", 20, corner="-20037508.34 20037508.34")}
  </Contents>
  <ServiceMetadataURL xlink:href="http://@HOST@/swisstopo/EPSG/3857/1.0.0/WMTSCapabilities.xml"/>
</Capabilities>
"""
open("swisstopo.xml", "w").write(swiss)

# ---- IGN Geoplateforme (data.geopf.fr/wmts): KVP only, style "normal", PM_0_20 with TileMatrixSetLimits
lim = []
for z in range(21):
    c0, r0 = tile_xy(-5.5, 52.5, z); c1, r1 = tile_xy(10.0, 41.0, z)
    lim.append(f"<TileMatrixLimits><TileMatrix>{z}</TileMatrix><MinTileRow>{r0}</MinTileRow><MaxTileRow>{r1}</MaxTileRow>"
               f"<MinTileCol>{c0}</MinTileCol><MaxTileCol>{c1}</MaxTileCol></TileMatrixLimits>")
geopf = f"""<?xml version="1.0" encoding="UTF-8"?>
<Capabilities {NS}>
  <ows:ServiceIdentification><ows:Title>Service WMTS de la Geoplateforme</ows:Title><ows:ServiceType>OGC WMTS</ows:ServiceType><ows:ServiceTypeVersion>1.0.0</ows:ServiceTypeVersion></ows:ServiceIdentification>
  <ows:ServiceProvider><ows:ProviderName>IGN</ows:ProviderName></ows:ServiceProvider>
  <ows:OperationsMetadata>
    <ows:Operation name="GetCapabilities"><ows:DCP><ows:HTTP><ows:Get xlink:href="http://@HOST@/geopf/wmts?"><ows:Constraint name="GetEncoding"><ows:AllowedValues><ows:Value>KVP</ows:Value></ows:AllowedValues></ows:Constraint></ows:Get></ows:HTTP></ows:DCP></ows:Operation>
    <ows:Operation name="GetTile"><ows:DCP><ows:HTTP><ows:Get xlink:href="http://@HOST@/geopf/wmts?"><ows:Constraint name="GetEncoding"><ows:AllowedValues><ows:Value>KVP</ows:Value></ows:AllowedValues></ows:Constraint></ows:Get></ows:HTTP></ows:DCP></ows:Operation>
  </ows:OperationsMetadata>
  <Contents>
  <Layer><ows:Title>Photographies aeriennes</ows:Title><ows:Abstract>Photographies aeriennes (stand-in)</ows:Abstract>
    <ows:WGS84BoundingBox><ows:LowerCorner>-180 -86</ows:LowerCorner><ows:UpperCorner>180 84</ows:UpperCorner></ows:WGS84BoundingBox>
    <ows:Identifier>ORTHOIMAGERY.ORTHOPHOTOS</ows:Identifier>
    <Style isDefault="true"><ows:Title>Donnees Brutes</ows:Title><ows:Identifier>normal</ows:Identifier></Style>
    <Format>image/jpeg</Format>
    <TileMatrixSetLink><TileMatrixSet>PM_0_20</TileMatrixSet><TileMatrixSetLimits>{"".join(lim)}</TileMatrixSetLimits></TileMatrixSetLink>
  </Layer>
  {mercator_set("PM_0_20", "EPSG:3857", 20)}
  </Contents>
</Capabilities>
"""
open("geopf.xml", "w").write(geopf)

# ---- session 28: PDOK with the Dutch grid only (a service with no Web Mercator set)
pdok_rd = pdok.replace('<TileMatrixSetLink><TileMatrixSet>EPSG:3857</TileMatrixSet></TileMatrixSetLink>', '')
pdok_rd = pdok_rd.replace(mercator_set("EPSG:3857", "urn:ogc:def:crs:EPSG::3857", 19, "{z:02d}"), "")
pdok_rd = pdok_rd.replace("/pdok/hwh/luchtfotorgb/wmts/v1_0/WMTSCapabilities.xml", "/pdok-rd/wmts")
open("pdok_rd.xml", "w").write(pdok_rd)

# ---- session 28: swisstopo's default document, LV95 (EPSG:2056) only
LV95_RES = [4000, 3750, 3500, 3250, 3000, 2750, 2500, 2250, 2000, 1750, 1500, 1250, 1000, 750, 650, 500, 250, 100,
            50, 20, 10, 5, 2.5, 2, 1.5, 1, 0.5, 0.25, 0.1]
def lv95_set():
    m = "".join(f"""
    <TileMatrix><ows:Identifier>{z}</ows:Identifier><ScaleDenominator>{r / 0.00028!r}</ScaleDenominator>
      <TopLeftCorner>2420000.0 1350000.0</TopLeftCorner><TileWidth>256</TileWidth><TileHeight>256</TileHeight>
      <MatrixWidth>{math.ceil(480000 / (256 * r))}</MatrixWidth><MatrixHeight>{math.ceil(320000 / (256 * r))}</MatrixHeight></TileMatrix>"""
                for z, r in enumerate(LV95_RES))
    return f"<TileMatrixSet><ows:Identifier>2056_28</ows:Identifier><ows:SupportedCRS>urn:ogc:def:crs:EPSG:2056</ows:SupportedCRS>{m}\n  </TileMatrixSet>"
swiss2056 = swiss.replace("<TileMatrixSet>3857_20</TileMatrixSet>", "<TileMatrixSet>2056_28</TileMatrixSet>")
swiss2056 = swiss2056.replace("/default/{Time}/3857/", "/default/{Time}/2056/")
swiss2056 = swiss2056.replace(mercator_set("3857_20", "urn:ogc:def:crs:EPSG:3857", 20, corner="-20037508.34 20037508.34"), lv95_set())
swiss2056 = swiss2056.replace("/swisstopo/EPSG/3857/1.0.0/WMTSCapabilities.xml", "/swisstopo/1.0.0/WMTSCapabilities.xml")
open("swisstopo_2056.xml", "w").write(swiss2056)

# ---- session 29 (grid29): IGN Geoplateforme's orthophotos in Lambert-93 (EPSG:2154), KVP, set "LAMB93".
# The set's shape (TopLeftCorner 0 12000000, resolutions halving down to 0.2 m) is a stand-in written from
# memory of IGN's Lambert-93 grids, NOT checked against the service: 21 levels, 0.4 x 2^(19-z) m pixels,
# matrices rounded up to whole tiles over 0..1,300,000 E and 6,000,000..12,000,000 N (so they do not all
# cover one box, as swisstopo's do not). server.py fills them with the benchmark's ground moved to Lyon.
def lamb93_set():
    m = "".join(f"""
    <TileMatrix><ows:Identifier>{z}</ows:Identifier><ScaleDenominator>{0.4 * 2 ** (19 - z) / 0.00028!r}</ScaleDenominator>
      <TopLeftCorner>0.0 12000000.0</TopLeftCorner><TileWidth>256</TileWidth><TileHeight>256</TileHeight>
      <MatrixWidth>{math.ceil(1300000 / (256 * 0.4 * 2 ** (19 - z)))}</MatrixWidth><MatrixHeight>{math.ceil(6000000 / (256 * 0.4 * 2 ** (19 - z)))}</MatrixHeight></TileMatrix>"""
                for z in range(21))
    return f"<TileMatrixSet><ows:Identifier>LAMB93</ows:Identifier><ows:SupportedCRS>EPSG:2154</ows:SupportedCRS>{m}\n  </TileMatrixSet>"
geopf_l93 = geopf.replace("<TileMatrixSet>PM_0_20</TileMatrixSet><TileMatrixSetLimits>" + "".join(lim) + "</TileMatrixSetLimits>",
                          "<TileMatrixSet>LAMB93</TileMatrixSet>")
geopf_l93 = geopf_l93.replace(mercator_set("PM_0_20", "EPSG:3857", 20), lamb93_set())
geopf_l93 = geopf_l93.replace("http://@HOST@/geopf/wmts?", "http://@HOST@/geopf-l93/wmts?")
assert "LAMB93" in geopf_l93 and "PM_0_20" not in geopf_l93
open("geopf_l93.xml", "w").write(geopf_l93)
