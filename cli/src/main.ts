console.log("picobase cli placeholder")
