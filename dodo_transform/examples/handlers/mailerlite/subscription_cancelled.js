function handler ( webhook ) {
if ( webhook . eventType === "subscription.cancelled" ) {
const s = webhook . payload . data ;
// Use PUT to update existing subscriber
webhook . url = "https://connect.mailerlite.com/api/subscribers/" + encodeURIComponent ( s . customer . email );
webhook . method = "PUT" ;
webhook . payload = {
fields: {
subscription_status: "cancelled" ,
cancellation_date: new Date (). toISOString (). split ( 'T' )[ 0 ]
},
groups: [ "165971156405323606" ]
};
}
return webhook ;
}
