"""Apps and portals report in through the Open311 GeoReport v2 standard (Quảng Ninh Art. 3.7, 4.1;
HCMC Art. 2.1; Thanh Hóa Art. 6.1; Đồng Tháp Art. 5.3): the service list, a request with its
location and photos, and the request's status."""
